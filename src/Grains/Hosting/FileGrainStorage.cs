using Orleans.SpecRag.Retrieval.Segments;
using Orleans.Storage;

namespace Orleans.SpecRag.Hosting;

/// <summary>
/// Grain state (query records) as files under the local data directory, for <c>SpecRag:Storage=local</c>: each
/// grain's state is one record of the local store, written to a temporary file, flushed and renamed over the old
/// one, with a version number as its ETag so that a stale write is refused as Orleans expects.
/// </summary>
public sealed class FileGrainStorage(LocalSegmentStore records, IGrainStorageSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = await records.ReadRecordAsync(PathOf(stateName, grainId));
        if (record is null)
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        grainState.State = serializer.Deserialize<T>(new BinaryData(record.Content));
        grainState.ETag = record.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            grainState.ETag = await records.WriteRecordAsync(PathOf(stateName, grainId), serializer.Serialize(grainState.State).ToArray(), grainState.ETag);
            grainState.RecordExists = true;
        }
        catch (ETagMismatchException e)
        {
            throw new InconsistentStateException(e.Message, storedEtag: "(changed)", currentEtag: grainState.ETag ?? "(none)");
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await records.DeleteRecordAsync(PathOf(stateName, grainId));
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    // "grains/{state}/{grain type}/{key}", each level escaped so that any key is one safe file name.
    private static string PathOf(string stateName, GrainId grainId) =>
        $"grains/{Escape(stateName)}/{Escape(grainId.Type.ToString()!)}/{Escape(grainId.Key.ToString()!)}";

    private static string Escape(string part)
    {
        var escaped = Uri.EscapeDataString(part).Replace(".", "%2E", StringComparison.Ordinal);
        return escaped.Length <= 200 ? escaped : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(part)));
    }
}
