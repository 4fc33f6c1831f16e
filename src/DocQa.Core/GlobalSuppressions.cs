using System.Diagnostics.CodeAnalysis;

// Each gate lives as long as the process; a SemaphoreSlim whose AvailableWaitHandle is never read holds nothing to
// release, and disposing it at shutdown would only make a lease returned late throw.
[assembly: SuppressMessage("Reliability", "CA1001", Justification = "Process-lifetime gate; see above.", Scope = "type", Target = "~T:DocQa.Core.Answering.Generation.GenerationGate")]
[assembly: SuppressMessage("Reliability", "CA1001", Justification = "Process-lifetime gate; see above.", Scope = "type", Target = "~T:DocQa.Core.Ingestion.DocumentWriteLock")]

// A stream of answer updates, not a System.IO.Stream; the name is the API's.
[assembly: SuppressMessage("Naming", "CA1711", Justification = "Not an IO stream; see above.", Scope = "type", Target = "~T:DocQa.Core.Answering.AskStream")]

// The ingestion queue is a queue (claim the next, count the waiting); the name says what callers get.
[assembly: SuppressMessage("Naming", "CA1711", Justification = "It is a work queue; see above.", Scope = "type", Target = "~T:DocQa.Core.Storage.IIngestionQueue")]
