// Svelte configuration shared by the sample apps in apps/ (they arrive with the apps issue).
// Kept at the root so every app and svelte-check read the same settings.
/** @type {import('svelte/compiler').CompileOptions & { compilerOptions?: object }} */
export default {
  compilerOptions: {
    runes: true,
  },
}
