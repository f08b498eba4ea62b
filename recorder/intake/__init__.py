"""The live intake: an HTTP server that stores the sessions of a site's visitors.

- `apps` - applications and their client tokens (only a hash is stored).
- `wire` - the wire protocol: encodings, the body limit, the batch, JSON errors.
- `live` - live sessions: per-session maskers carried across requests and workers.
- `app` - the Starlette routes; `replay serve` runs them under uvicorn.
"""
