"""The Firma-compatible face: routes, request/response schemas, and shape translation."""
