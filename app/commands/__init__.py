"""One module per `replay` command; each exposes `register(subparsers, common)` where
`common` is a parent parser carrying `--data`. The handler is set with
`parser.set_defaults(func=handler)` and receives the parsed args (args.data is a Path)."""
