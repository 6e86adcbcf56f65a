/**
 * The bundles' file names in the build folder, shared by the build and the server's /sdk
 * routes. In a file of its own so that the server does not load the build (and esbuild, a
 * development dependency) to learn them.
 */
export const sdkFileNames = { esm: 'attune.esm.js', iife: 'attune.js' } as const;
