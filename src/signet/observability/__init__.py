"""What operators watch: Prometheus metrics (``metrics``), structured logs with a request id
(``logs``), and the pure-ASGI middleware that times each request (``middleware``). Nothing
here imports the rest of Signet, so every layer may record into it."""
