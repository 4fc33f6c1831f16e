using System.Diagnostics.CodeAnalysis;

// RFC 9562 defines version 5 UUIDs with SHA-1; the hash names points, it protects nothing.
[assembly: SuppressMessage("Security", "CA5350", Justification = "UUIDv5 is defined with SHA-1; not used for security.", Scope = "member", Target = "~M:DocQa.Storage.Qdrant.PointIds.NameBased(System.String)~System.Guid")]
