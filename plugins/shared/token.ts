/**
 * RFC 9110 `token` (header names, methods), for checks the built-in plugins make inside
 * `create()`. Option schemas use the engine's own rule, `schemas.token()`.
 */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
