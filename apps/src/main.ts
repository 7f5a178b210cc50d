/** Entry point: starts the app controller and mounts the shell. */
import { mount } from 'svelte'
import App from './App.svelte'
import { TownhallApp } from './shell/app.svelte.js'
import './app.css'

const app = new TownhallApp()
const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')
mount(App, { target, props: { app } })
void app.start()
