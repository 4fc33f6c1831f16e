#!/usr/bin/env bash
# Snapshots of DocQa's Qdrant collections ({prefix}_chunks and {prefix}_documents), taken while DocQa serves.
#   scripts/qdrant-snapshot.sh backup <dir>    create a snapshot of each collection and download it into <dir>
#   scripts/qdrant-snapshot.sh restore <dir>   upload the snapshots in <dir>, replacing the collections' contents
# Settings: QDRANT_HTTP (Qdrant's REST endpoint, default http://localhost:6333), QDRANT_API_KEY, DOCQA_COLLECTION_PREFIX
# (Storage:Qdrant:CollectionPrefix, default docqa). Back up the files volume (Storage:DataDirectory) beside them:
# uploads wait there until processed. On a cluster, snapshot each node (Qdrant's snapshots are per node).
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ "$command" != backup && "$command" != restore ]] || [[ -z "$dir" ]]; then
  echo "usage: $0 backup|restore <dir>" >&2
  exit 2
fi
qdrant=${QDRANT_HTTP:-http://localhost:6333}
prefix=${DOCQA_COLLECTION_PREFIX:-docqa}
auth=()
[[ -n "${QDRANT_API_KEY:-}" ]] && auth=(-H "api-key: $QDRANT_API_KEY")

for collection in "${prefix}_chunks" "${prefix}_documents"; do
  if [[ "$command" == backup ]]; then
    mkdir -p "$dir"
    created=$(curl -fsS "${auth[@]}" -X POST "$qdrant/collections/$collection/snapshots?wait=true")
    name=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' <<<"$created")
    [[ -n "$name" ]] || { echo "no snapshot name in Qdrant's answer: $created" >&2; exit 1; }
    curl -fsS "${auth[@]}" -o "$dir/$collection.snapshot" "$qdrant/collections/$collection/snapshots/$name"
    curl -fsS "${auth[@]}" -X DELETE "$qdrant/collections/$collection/snapshots/$name" >/dev/null
    echo "$collection -> $dir/$collection.snapshot"
  else
    [[ -f "$dir/$collection.snapshot" ]] || { echo "$dir/$collection.snapshot is missing" >&2; exit 1; }
    curl -fsS "${auth[@]}" -X POST "$qdrant/collections/$collection/snapshots/upload?priority=snapshot&wait=true" \
      -F "snapshot=@$dir/$collection.snapshot" >/dev/null
    echo "$dir/$collection.snapshot -> $collection"
  fi
done
