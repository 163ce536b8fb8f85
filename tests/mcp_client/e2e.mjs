// End-to-end: the official MCP TypeScript SDK client against the real qimg binary, over stdio and
// Streamable HTTP, on a fixture library in temp XDG dirs. Every listed tool is called and its
// structuredContent compared with the CLI's --json output for the same arguments.
// Usage: node e2e.mjs <path to qimg> <photos dir>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const qimg = process.argv[2];
const photos = process.argv[3];
const home = mkdtempSync(join(tmpdir(), "qimg-mcp-e2e-"));
const env = { ...process.env, XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache"), NO_COLOR: "1" };
const cli = (...args) => execFileSync(qimg, args, { env, encoding: "utf8" });
const cliJson = (...args) => JSON.parse(cli(...args, "--json"));

cli("collection", "add", photos, "--name", "photos");
cli("update");
cli("context", "add", "qimg://photos", "test photos for the MCP client");
const all = cliJson("multi-get", "--glob", "*");
assert.ok(all.length >= 2, "fixture library has images");
const id = all[0].id;

async function exercise(client, label) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", `${t.name} inputSchema`);
    assert.equal(t.outputSchema?.type, "object", `${t.name} outputSchema`);
  }
  for (const n of ["qimg_facts_get", "qimg_get", "qimg_multi_get", "qimg_status"]) assert.ok(names.includes(n), n);
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    assert.notEqual(r.isError, true, `${name}: ${JSON.stringify(r.content)}`);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent, `${name} text == structured`);
    return r;
  };
  assert.deepEqual((await call("qimg_status", {})).structuredContent, cliJson("status"));
  assert.deepEqual((await call("qimg_get", { id })).structuredContent, cliJson("get", id)[0]);
  const thumb = await call("qimg_get", { id, thumbnail: true });
  assert.equal(thumb.content[1].type, "image");
  assert.equal(thumb.content[1].mimeType, "image/jpeg");
  assert.deepEqual((await call("qimg_multi_get", { glob: "*" })).structuredContent.results, all);
  assert.deepEqual((await call("qimg_facts_get", { id })).structuredContent.facts, cliJson("facts", "ls", id));
  if (names.includes("qimg_search")) {
    assert.deepEqual((await call("qimg_search", { query: "photo" })).structuredContent.results,
                     cliJson("search", "photo"));
  }
  const missing = await client.callTool({ name: "qimg_get", arguments: { id: "#fffffffffff" } });
  assert.equal(missing.isError, true);
  await client.ping();
  console.log(`${label}: ok (${names.join(", ")})`);
}

let server;
try {
  const stdio = new Client({ name: "qimg-e2e", version: "1.0.0" });
  await stdio.connect(new StdioClientTransport({ command: qimg, args: ["mcp"], env, stderr: "inherit" }));
  await exercise(stdio, "stdio");
  await stdio.close();

  // A random port below the kernel's ephemeral range (32768+), so it cannot collide with the
  // local ports of other tests' connections; if it is taken anyway (the server exits) or the
  // server is slow to come up on a loaded machine, try another one.
  let port = 0;
  for (let attempt = 0; attempt < 5 && !port; attempt++) {
    const candidate = 15000 + Math.floor(Math.random() * 15000);
    const child = spawn(qimg, ["mcp", "--http", "--port", String(candidate)], { env, stdio: ["ignore", "ignore", "inherit"] });
    let exited = false;
    child.on("exit", () => { exited = true; });
    for (let i = 0; i < 300 && !exited; i++) {
      try { if ((await fetch(`http://127.0.0.1:${candidate}/health`)).ok) { port = candidate; break; } } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    if (port) server = child;
    else child.kill("SIGTERM");
  }
  assert.ok(port, "qimg mcp --http came up");
  const http = new Client({ name: "qimg-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
  await http.connect(transport);
  assert.ok(transport.sessionId, "session id issued");
  await exercise(http, "http");
  await transport.terminateSession();
  await http.close();
} finally {
  if (server) server.kill("SIGTERM");
  rmSync(home, { recursive: true, force: true });
}
