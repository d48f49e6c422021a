"""Start the runtime interface client with the import path Lambda's python3.13 runtime gives a function: its
code, then its layers' two folders, then the runtime's own libraries (boto3), then the standard library."""

import sys

FRONT = ["/var/task", "/opt/python/lib/python3.13/site-packages", "/opt/python", "/var/runtime"]
RUNTIME_LIBRARIES = "/var/lang/lib/python3.13/site-packages"

rest = [entry for entry in sys.path if entry not in (*FRONT, RUNTIME_LIBRARIES)]
sys.path[:] = [*FRONT[:3], RUNTIME_LIBRARIES, FRONT[3], *rest]

from awslambdaric.__main__ import main  # noqa: E402 - after the path is set

main([sys.argv[0], sys.argv[1]])
