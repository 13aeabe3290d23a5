"""Typed LangChain tools over the store and the analytics; their model-facing words live in the content's tools/."""
