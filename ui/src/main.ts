import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { looks } from "./lib/theme.svelte";

looks.markPage();

const target = document.getElementById("app");
if (target) mount(App, { target });
