"""The local cloud: this project's template, functions and client, run offline with AWS's own answers.

Its heavier dependencies come with the ``groupgate[local]`` extra; the plain client never imports this.
"""
