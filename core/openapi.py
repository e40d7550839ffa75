"""(stub)"""


def build_document() -> dict:
    return {"openapi": "3.0.3", "info": {"title": "Jifen", "version": "1"}, "paths": {}}
