// Next's ambient types (CSS imports, images) for tsc in a fresh clone, where the generated next-env.d.ts
// (gitignored) does not exist yet.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
