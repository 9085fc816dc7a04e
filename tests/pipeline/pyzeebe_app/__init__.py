"""A pyzeebe-style application: routers in modules, written against pyzeebe 4.x's API."""
