// Lets `tsc` type-check TypeScript that imports .svelte files; svelte-check checks the components themselves.
declare module '*.svelte' {
  import type { Component } from 'svelte'
  const component: Component<Record<string, unknown>>
  export default component
}
