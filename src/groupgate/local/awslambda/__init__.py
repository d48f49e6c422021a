"""Lambda in the local cloud: the functions, layers and permissions, and how an invocation runs
(``functions``); the runtime's side inside the function's own process (``bootstrap``)."""
