// Copies the files the pages load from node_modules into lib/, so the server never serves node_modules.
// MudBlazor's own CSS and script come from its NuGet package (_content/MudBlazor/), not from here.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lib = join(root, "lib");
const roboto = join(root, "node_modules", "@fontsource", "roboto");
const weights = ["400", "500", "700"];

rmSync(lib, { recursive: true, force: true });
mkdirSync(join(lib, "roboto", "files"), { recursive: true });
let copied = 0;
for (const weight of weights) {
  cpSync(join(roboto, `${weight}.css`), join(lib, "roboto", `${weight}.css`));
  copied++;
}
// Only the normal style of the weights above; the CSS names both woff2 and woff, browsers take woff2.
for (const file of readdirSync(join(roboto, "files"))) {
  if (weights.some((w) => file.endsWith(`-${w}-normal.woff2`) || file.endsWith(`-${w}-normal.woff`))) {
    cpSync(join(roboto, "files", file), join(lib, "roboto", "files", file));
    copied++;
  }
}
console.log(`copied ${copied} front-end files to ${lib}`);
