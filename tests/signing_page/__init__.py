"""Signing-page tests. A package, so that its conftest does not shadow the root conftest
for test modules that `import conftest`."""
