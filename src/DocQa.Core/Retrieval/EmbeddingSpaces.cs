using Microsoft.Extensions.AI;

namespace DocQa.Core.Retrieval;

/// <summary>
/// The embedding models whose vectors a store holds. The current model embeds everything new; while a store built
/// with another model is re-embedded, its documents not yet done still carry the older model's vectors, and a
/// question is embedded by that model too, so that those documents keep answering and no vector is ever compared
/// with a vector of another model.
/// </summary>
public sealed class EmbeddingSpaces : IDisposable
{
    /// <summary>The model of every vector stored before stores recorded their model.</summary>
    public const string LegacyModel = "all-MiniLM-L6-v2";

    /// <summary>How long a dropped model stays loaded, so that a search already holding it can finish.</summary>
    private static readonly TimeSpan ReleaseDelay = TimeSpan.FromSeconds(30);

    private readonly Func<string, IEmbeddingGenerator<string, Embedding<float>>?> _load;
    private readonly Lock _gate = new();
    private Dictionary<string, IEmbeddingGenerator<string, Embedding<float>>?> _older = new(StringComparer.Ordinal);

    /// <param name="current">The configured model's generator.</param>
    /// <param name="load">Loads another model by name for the questions of documents still on it; null when it cannot.</param>
    public EmbeddingSpaces(IEmbeddingGenerator<string, Embedding<float>> current,
        Func<string, IEmbeddingGenerator<string, Embedding<float>>?>? load = null)
    {
        Current = current;
        CurrentModel = ModelOf(current);
        _load = load ?? (_ => null);
    }

    public IEmbeddingGenerator<string, Embedding<float>> Current { get; }

    public string CurrentModel { get; }

    /// <summary>Whether some documents still carry another model's vectors (read on every search: no copy).</summary>
    public bool HasOlderModels
    {
        get { lock (_gate) return _older.Count > 0; }
    }

    /// <summary>The other models whose vectors some documents still carry.</summary>
    public IReadOnlyCollection<string> OlderModels
    {
        get { lock (_gate) return [.. _older.Keys]; }
    }

    /// <summary>
    /// The models to search with and their generators: the current one, then each older one that could be loaded.
    /// Documents of an older model that cannot be loaded are left to keyword search until they are re-embedded.
    /// </summary>
    public IReadOnlyList<(string Model, IEmbeddingGenerator<string, Embedding<float>> Generator)> Searchable()
    {
        lock (_gate)
        {
            List<(string, IEmbeddingGenerator<string, Embedding<float>>)> spaces = [(CurrentModel, Current)];
            foreach (var (model, generator) in _older)
                if (generator is not null) spaces.Add((model, generator));
            return spaces;
        }
    }

    /// <summary>Records which other models' vectors the store still holds: loads the new ones, releases the rest.</summary>
    public void SetOlderModels(IEnumerable<string> models)
    {
        var wanted = models.Where(m => !string.Equals(m, CurrentModel, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        List<IEmbeddingGenerator<string, Embedding<float>>> released = [];
        lock (_gate)
        {
            var next = new Dictionary<string, IEmbeddingGenerator<string, Embedding<float>>?>(StringComparer.Ordinal);
            foreach (var model in wanted)
                next[model] = _older.TryGetValue(model, out var loaded) ? loaded : _load(model);
            foreach (var (model, generator) in _older)
                if (!next.ContainsKey(model) && generator is not null) released.Add(generator);
            _older = next;
        }

        if (released.Count > 0)
            _ = Task.Delay(ReleaseDelay).ContinueWith(_ => released.ForEach(g => g.Dispose()), TaskScheduler.Default);
    }

    public static string ModelOf(IEmbeddingGenerator<string, Embedding<float>> generator) =>
        generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? LegacyModel;

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var generator in _older.Values) generator?.Dispose();
            _older.Clear();
        }
    }
}
