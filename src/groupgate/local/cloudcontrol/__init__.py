"""AWS Cloud Control API, for the resource types the local cloud keeps."""
