#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>Shape of the tiny random-weight llama model written by <see cref="TinyLlamaGguf"/>.</summary>
public sealed record TinyLlamaOptions
{
    public int EmbeddingLength { get; init; } = 64;
    public int BlockCount { get; init; } = 2;
    public int HeadCount { get; init; } = 4;
    public int HeadCountKv { get; init; } = 4;
    public int FeedForwardLength { get; init; } = 128;
    public int ContextLength { get; init; } = 256;
    public float WeightStd { get; init; } = 0.05f;
    public float RmsEpsilon { get; init; } = 1e-5f;

    /// <summary>
    /// When true (default) the output-projection rows of control/unknown/byte tokens are zero, so their
    /// logits are exactly 0 while ordinary tokens get random logits: greedy decoding then (practically)
    /// never emits &lt;/s&gt; or raw bytes and always produces visible text.
    /// </summary>
    public bool SuppressSpecialAndByteLogits { get; init; } = true;

    public static TinyLlamaOptions Default { get; } = new();
}

/// <summary>
/// Writes a tiny, deterministic, random-weight llama-architecture GGUF (v3, all F32) with a SentencePiece
/// ("llama") tokenizer: &lt;unk&gt;=0, &lt;s&gt;=1, &lt;/s&gt;=2, 256 byte-fallback tokens &lt;0x00&gt;..&lt;0xFF&gt; (ids 3..258),
/// then printable ASCII characters, "▁", and a small word list (with every intermediate prefix piece so that
/// SentencePiece bigram merges can reach the whole word, e.g. "▁Yes" is one token).
/// </summary>
public static class TinyLlamaGguf
{
    public const int UnknownTokenId = 0;
    public const int BosTokenId = 1;
    public const int EosTokenId = 2;
    public const int FirstByteTokenId = 3;

    private const string SpaceMark = "\u2581"; // "▁"
    private const uint Alignment = 32;

    private static readonly string[] Words =
    {
        "the", "a", "an", "is", "are", "was", "be", "to", "of", "and", "in", "on", "it", "that", "this",
        "for", "with", "as", "not", "or", "by", "at", "from", "what", "which", "who", "how", "does", "do",
        "can", "should", "will", "Yes", "No", "yes", "no", "True", "False", "true", "false",
        "Question", "Answer", "Context", "sky", "blue", "grain", "silo", "Orleans", "state", "call",
        "message", "cluster", "actor", "spec", "relevant", "document",
    };

    private static readonly string[] Pieces = { "ing", "ed", "er", "es", "s", "ly", "tion" };

    /// <summary>The vocabulary (pieces, scores, token types) used by the written model, in id order.</summary>
    public static IReadOnlyList<string> Tokens => Vocab.Value.Tokens;

    private static readonly Lazy<(List<string> Tokens, List<float> Scores, List<int> Types)> Vocab = new(BuildVocab);

    public static string Write(string path, int seed = 1234) => Write(path, TinyLlamaOptions.Default, seed);

    public static string Write(string path, TinyLlamaOptions options, int seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.EmbeddingLength % options.HeadCount != 0)
            throw new ArgumentException("EmbeddingLength must be divisible by HeadCount.", nameof(options));
        if (options.HeadCount % options.HeadCountKv != 0)
            throw new ArgumentException("HeadCount must be divisible by HeadCountKv.", nameof(options));

        var (tokens, scores, types) = Vocab.Value;
        int nVocab = tokens.Count;
        int nEmbd = options.EmbeddingLength;
        int headDim = nEmbd / options.HeadCount;
        int nEmbdKv = headDim * options.HeadCountKv;
        int nFf = options.FeedForwardLength;

        // ---- tensors (ne[0] is the fastest-varying / input dimension) ----
        var rng = new Random(seed);
        var tensors = new List<(string Name, long[] Ne, float[] Data)>();
        void Add(string name, long[] ne, float[] data) => tensors.Add((name, ne, data));
        float[] Normal(long count) => RandomNormal(rng, count, options.WeightStd);
        float[] Ones(long count) { var a = new float[count]; Array.Fill(a, 1f); return a; }

        Add("token_embd.weight", new long[] { nEmbd, nVocab }, Normal((long)nEmbd * nVocab));
        for (int i = 0; i < options.BlockCount; i++)
        {
            string p = $"blk.{i}.";
            Add(p + "attn_norm.weight", new long[] { nEmbd }, Ones(nEmbd));
            Add(p + "attn_q.weight", new long[] { nEmbd, nEmbd }, Normal((long)nEmbd * nEmbd));
            Add(p + "attn_k.weight", new long[] { nEmbd, nEmbdKv }, Normal((long)nEmbd * nEmbdKv));
            Add(p + "attn_v.weight", new long[] { nEmbd, nEmbdKv }, Normal((long)nEmbd * nEmbdKv));
            Add(p + "attn_output.weight", new long[] { nEmbd, nEmbd }, Normal((long)nEmbd * nEmbd));
            Add(p + "ffn_norm.weight", new long[] { nEmbd }, Ones(nEmbd));
            Add(p + "ffn_gate.weight", new long[] { nEmbd, nFf }, Normal((long)nEmbd * nFf));
            Add(p + "ffn_up.weight", new long[] { nEmbd, nFf }, Normal((long)nEmbd * nFf));
            Add(p + "ffn_down.weight", new long[] { nFf, nEmbd }, Normal((long)nFf * nEmbd));
        }
        Add("output_norm.weight", new long[] { nEmbd }, Ones(nEmbd));
        var output = Normal((long)nEmbd * nVocab);
        if (options.SuppressSpecialAndByteLogits)
        {
            for (int t = 0; t < nVocab; t++)
            {
                if (types[t] != TokenTypeNormal)
                    Array.Clear(output, t * nEmbd, nEmbd); // row t = ne[0]-contiguous slice
            }
        }
        Add("output.weight", new long[] { nEmbd, nVocab }, output);

        // ---- write ----
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);

        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: false)) // BinaryWriter is little-endian
        {
            var kvs = new List<Action>();
            void KvString(string k, string v) => kvs.Add(() => { WriteString(w, k); w.Write(GgufString); WriteString(w, v); });
            void KvU32(string k, uint v) => kvs.Add(() => { WriteString(w, k); w.Write(GgufUInt32); w.Write(v); });
            void KvF32(string k, float v) => kvs.Add(() => { WriteString(w, k); w.Write(GgufFloat32); w.Write(v); });
            void KvBool(string k, bool v) => kvs.Add(() => { WriteString(w, k); w.Write(GgufBool); w.Write((byte)(v ? 1 : 0)); });

            KvString("general.architecture", "llama");
            KvString("general.name", "tiny-random-llama");
            KvU32("general.alignment", Alignment);
            KvU32("general.file_type", 0); // ALL_F32
            KvU32("llama.context_length", (uint)options.ContextLength);
            KvU32("llama.embedding_length", (uint)nEmbd);
            KvU32("llama.block_count", (uint)options.BlockCount);
            KvU32("llama.feed_forward_length", (uint)nFf);
            KvU32("llama.attention.head_count", (uint)options.HeadCount);
            KvU32("llama.attention.head_count_kv", (uint)options.HeadCountKv);
            KvU32("llama.rope.dimension_count", (uint)headDim);
            KvF32("llama.rope.freq_base", 10000f);
            KvF32("llama.attention.layer_norm_rms_epsilon", options.RmsEpsilon);
            KvU32("llama.vocab_size", (uint)nVocab);
            KvString("tokenizer.ggml.model", "llama");
            kvs.Add(() =>
            {
                WriteString(w, "tokenizer.ggml.tokens");
                w.Write(GgufArray); w.Write(GgufString); w.Write((ulong)tokens.Count);
                foreach (var t in tokens) WriteString(w, t);
            });
            kvs.Add(() =>
            {
                WriteString(w, "tokenizer.ggml.scores");
                w.Write(GgufArray); w.Write(GgufFloat32); w.Write((ulong)scores.Count);
                foreach (var s in scores) w.Write(s);
            });
            kvs.Add(() =>
            {
                WriteString(w, "tokenizer.ggml.token_type");
                w.Write(GgufArray); w.Write(GgufInt32); w.Write((ulong)types.Count);
                foreach (var t in types) w.Write(t);
            });
            KvU32("tokenizer.ggml.bos_token_id", BosTokenId);
            KvU32("tokenizer.ggml.eos_token_id", EosTokenId);
            KvU32("tokenizer.ggml.unknown_token_id", UnknownTokenId);
            KvBool("tokenizer.ggml.add_bos_token", true);
            KvBool("tokenizer.ggml.add_eos_token", false);

            // header
            w.Write((byte)'G'); w.Write((byte)'G'); w.Write((byte)'U'); w.Write((byte)'F');
            w.Write(3u);                      // version
            w.Write((ulong)tensors.Count);    // tensor count
            w.Write((ulong)kvs.Count);        // kv count
            foreach (var kv in kvs) kv();

            // tensor infos; offsets are relative to the (aligned) start of the data section
            ulong offset = 0;
            foreach (var (name, ne, data) in tensors)
            {
                WriteString(w, name);
                w.Write((uint)ne.Length);
                foreach (var d in ne) w.Write((ulong)d);
                w.Write(0u); // GGML_TYPE_F32
                w.Write(offset);
                offset = AlignUp(offset + (ulong)data.Length * sizeof(float));
            }

            Pad(w);
            foreach (var (_, _, data) in tensors)
            {
                foreach (var f in data) w.Write(f);
                Pad(w);
            }
        }

        return path;
    }

    // GGUF metadata value types
    private const uint GgufInt32 = 5;
    private const uint GgufUInt32 = 4;
    private const uint GgufFloat32 = 6;
    private const uint GgufBool = 7;
    private const uint GgufString = 8;
    private const uint GgufArray = 9;

    // llama.cpp token types
    private const int TokenTypeNormal = 1;
    private const int TokenTypeUnknown = 2;
    private const int TokenTypeControl = 3;
    private const int TokenTypeByte = 6;

    private static (List<string> Tokens, List<float> Scores, List<int> Types) BuildVocab()
    {
        var tokens = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void AddToken(string piece, float score, int type)
        {
            if (!seen.Add(piece)) return;
            tokens.Add(piece); scores.Add(score); types.Add(type);
        }

        AddToken("<unk>", 0f, TokenTypeUnknown);
        AddToken("<s>", 0f, TokenTypeControl);
        AddToken("</s>", 0f, TokenTypeControl);
        for (int b = 0; b < 256; b++) AddToken($"<0x{b:X2}>", 0f, TokenTypeByte);

        // Single characters: low scores (they are never merged *into* anything by score; merges are
        // driven by the score of the merged piece).
        AddToken(SpaceMark, -1000f, TokenTypeNormal);
        for (char c = '!'; c <= '~'; c++) AddToken(c.ToString(), -1000f, TokenTypeNormal);

        // Multi-character pieces. SentencePiece (llama.cpp llm_tokenizer_spm) merges adjacent symbols only
        // if the concatenation is in the vocab, picking the highest score first, so every prefix must be
        // present. Longer pieces get higher scores so whole words win.
        var multi = new List<string>();
        foreach (var word in Words)
        {
            string full = SpaceMark + word;
            for (int len = 2; len <= full.Length; len++) multi.Add(full[..len]);
        }
        for (char c = 'a'; c <= 'z'; c++) multi.Add(SpaceMark + c);
        for (char c = 'A'; c <= 'Z'; c++) multi.Add(SpaceMark + c);
        for (char c = '0'; c <= '9'; c++) multi.Add(SpaceMark + c);
        foreach (var piece in Pieces)
        {
            for (int len = 2; len <= piece.Length; len++) multi.Add(piece[..len]);
        }
        foreach (var piece in multi)
        {
            AddToken(piece, -100f + piece.Length, TokenTypeNormal);
        }

        return (tokens, scores, types);
    }

    private static float[] RandomNormal(Random rng, long count, float std)
    {
        var result = new float[count];
        for (long i = 0; i < count; i += 2)
        {
            // Box-Muller
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            result[i] = (float)(r * Math.Cos(2 * Math.PI * u2) * std);
            if (i + 1 < count) result[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2) * std);
        }
        return result;
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static ulong AlignUp(ulong value) => (value + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        w.Flush();
        long pos = w.BaseStream.Position;
        long padded = (long)AlignUp((ulong)pos);
        for (long i = pos; i < padded; i++) w.Write((byte)0);
    }
}
