import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  // amazon-cognito-identity-js reads Node's `global`; in a browser that is globalThis.
  define: { global: "globalThis" },
  resolve: {
    alias: {
      // The package's browser entry (its package.json "browser" map names it without the .js Vite looks up),
      // so the Node-only providers (files, processes, instance metadata) stay out of the page.
      "@aws-sdk/credential-providers": fileURLToPath(
        new URL("./node_modules/@aws-sdk/credential-providers/dist-es/index.browser.js", import.meta.url),
      ),
    },
  },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true },
});
