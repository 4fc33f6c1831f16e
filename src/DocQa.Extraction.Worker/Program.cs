using System.Collections.Concurrent;
using System.Runtime;
using System.Text;
using System.Text.Json;
using DocQa.Core.Extraction;
using DocQa.Extraction;
using DocQa.Extraction.Isolation;
using DocQa.Extraction.Worker;

// docqa-extract: reads one WorkerRequest per line on standard input, extracts the file, and writes one WorkerReply per
// line on standard output, until standard input closes. Started and kept by IsolatedDocumentExtractor, which enforces
// the time limit (it kills the worker) and the memory budget (the GC heap limit it starts the worker with).

// First of all, so that a worker never outlives its parent: see ParentWatch.
ParentWatch.Start(Environment.GetEnvironmentVariable(WorkerProtocol.ParentVariable));

// Standard output carries the replies alone: anything a library prints goes to standard error instead.
var replies = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
Console.SetOut(Console.Error);

const long KeptHeapBytes = 128L * 1024 * 1024;
var fault = Environment.GetEnvironmentVariable(WorkerProtocol.FaultVariable);
using var deadline = new Timer(_ => Environment.Exit(WorkerProtocol.ExitDeadline));

foreach (var line in RequestsUntilInputCloses())
{
    var request = JsonSerializer.Deserialize<WorkerRequest>(line, WorkerProtocol.Json)
        ?? throw new InvalidDataException("empty request");
    deadline.Change(TimeSpan.FromSeconds(request.DeadlineSeconds + 5), Timeout.InfiniteTimeSpan);
    WorkerReply reply;
    try
    {
        Misbehave(fault);
        using var content = File.OpenRead(request.Path);
        int pagesRead = 0;
        var extractor = new DocumentExtractor(request.Ocr)
        {
            // Each page read by OCR restarts the time limit, here and in the parent.
            PageRead = () =>
            {
                deadline.Change(TimeSpan.FromSeconds(request.DeadlineSeconds + 5), Timeout.InfiniteTimeSpan);
                lock (replies) replies.WriteLine(JsonSerializer.Serialize(new WorkerReply(null, null, ++pagesRead), WorkerProtocol.Json));
            },
        };
        reply = new WorkerReply(extractor.Extract(content, new DocumentType(request.Kind, request.MediaType)), null);
    }
    catch (Exception e) when (e is OutOfMemoryException || e.InnerException is OutOfMemoryException)
    {
        return WorkerProtocol.ExitOutOfMemory;
    }
    catch (ExtractionException e)
    {
        reply = new WorkerReply(null, e.Message);
    }
    catch (IOException e)
    {
        reply = new WorkerReply(null, $"the file cannot be read: {e.Message}");
    }
    lock (replies) replies.WriteLine(JsonSerializer.Serialize(reply, WorkerProtocol.Json));
    deadline.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    reply = null!;
    // A large document's peak is handed back before waiting: an idle worker should not hold it. An ordinary one's heap
    // is left as it is (a 100-page filing leaves about 60 MB committed): compacting it after every document, and the
    // page faults that follow as the next one grows it again, cost a tenth of extraction's time.
    if (GC.GetGCMemoryInfo().TotalCommittedBytes > KeptHeapBytes)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
return WorkerProtocol.ExitDone;

// Input is read on a thread of its own, so that its end is seen even while an extraction is running: the parent
// closes it (or dies) and the worker goes, whatever it was doing.
static IEnumerable<string> RequestsUntilInputCloses()
{
    var requests = new BlockingCollection<string>();
    new Thread(() =>
    {
        using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        while (input.ReadLine() is { } line)
            requests.Add(line);
        requests.CompleteAdding();
        Thread.Sleep(TimeSpan.FromSeconds(1)); // let a last reply finish writing
        Environment.Exit(WorkerProtocol.ExitDone);
    }) { IsBackground = true }.Start();
    return requests.GetConsumingEnumerable();
}

static void Misbehave(string? fault)
{
    switch (fault)
    {
        case "hang":
            while (true) Thread.SpinWait(1000);
        case "allocate":
            var hoard = new List<byte[]>();
            while (true)
            {
                var block = new byte[16 * 1024 * 1024];
                Array.Fill(block, (byte)1);
                hoard.Add(block);
            }
        case "crash":
            Recurse(0);
            break;
    }
}

static int Recurse(int depth) => Recurse(depth + 1) + 1;
