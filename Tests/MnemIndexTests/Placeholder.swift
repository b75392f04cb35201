// Tests of the vector sidecar, search and context.
