// MCP HTTP load test: C concurrent clients (own session each) x N tools/call each, loopback only.
// Usage: node load.mjs <port> [clients=100] [calls=50]. Prints errors, p50/p99/max latency, rate.
const [port, clients = 100, calls = 50] = process.argv.slice(2).map(Number);
const url = `http://127.0.0.1:${port}/mcp`;
const post = async (body, sid) => {
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
  if (sid) { headers["Mcp-Session-Id"] = sid; headers["MCP-Protocol-Version"] = "2025-11-25"; }
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: r.status, sid: r.headers.get("mcp-session-id"), json: r.status === 200 ? await r.json() : null };
};
const lat = [];
let errors = 0;
const tools = [["qimg_status", {}], ["qimg_multi_get", { glob: "*" }], ["qimg_get", { id: "qimg://photos/photo-01.png" }]];
async function client(c) {
  const init = await post({ jsonrpc: "2.0", id: 0, method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "load", version: "1" } } });
  if (!init.sid) { errors++; return; }
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, init.sid);
  for (let i = 1; i <= calls; i++) {
    const [name, args] = tools[(c + i) % tools.length];
    const t0 = performance.now();
    const r = await post({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name, arguments: args } }, init.sid);
    lat.push(performance.now() - t0);
    if (r.status !== 200 || !r.json?.result || r.json.result.isError) errors++;
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
console.log(JSON.stringify({ clients, calls_per_client: clients && calls, requests: lat.length, errors,
  p50_ms: +q(0.5), p99_ms: +q(0.99), max_ms: +lat[lat.length - 1].toFixed(2), req_per_s: +(lat.length / secs).toFixed(0) }));
process.exit(errors ? 1 : 0);
