using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.ServiceDefaults;

// A standalone silo. Its roles (SpecRag:Roles = drafter, verifier or both) decide which grains it hosts:
// drafter silos are the GPU-backed ones in production. Ports come from Orleans:Endpoints:*, HTTP from --urls.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.UseOrleans(silo => silo
    .UseSpecRagClustering(builder.Configuration)
    .AddSpecRag(builder.Configuration)
    .AddSpecRagDashboard());

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
