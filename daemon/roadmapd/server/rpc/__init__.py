"""The wire under the language server: JSON-RPC and its stdio transport, nothing of roadmapd's.

`protocol.py` is the pygls protocol that writes plain-JSON results without cattrs, answers bad
requests and redacts everything it writes; `stdio.py` frames stdin/stdout with asyncio pipe
transports on the event loop. The composition root (`app.py`) takes `FastProtocol`, `main.py`
takes `serve_stdio`; the features take only `RawJson`, `encode` and `plain`.
"""
