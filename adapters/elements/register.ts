/** Side-effect entry: importing it (or loading the built townhall-elements.js script) registers the elements. */
import { defineElements } from './index.js'

defineElements()
