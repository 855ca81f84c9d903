// Copies the files the pages load from node_modules into lib/, so the server never serves node_modules.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lib = join(root, "lib");
const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"],
  ["bootstrap-icons/font/fonts/bootstrap-icons.woff2", "bootstrap-icons/fonts/bootstrap-icons.woff2"],
  ["bootstrap-icons/font/fonts/bootstrap-icons.woff", "bootstrap-icons/fonts/bootstrap-icons.woff"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["@microsoft/signalr/dist/browser/signalr.min.js", "signalr/signalr.min.js"],
  ["@microsoft/signalr/dist/browser/signalr.min.js.map", "signalr/signalr.min.js.map"],
];

rmSync(lib, { recursive: true, force: true });
for (const [from, to] of files) {
  const target = join(lib, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(root, "node_modules", from), target);
}
console.log(`copied ${files.length} front-end files to ${lib}`);
