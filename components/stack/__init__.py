"""The stack program's own pieces: reading `Pulumi.<stack>.yaml` into component args."""
