import http from 'node:http';

/**
 * Answers approvals over the hub's HTTP API with node:http and a keep-alive pool: the benchmark answers from the
 * hub's own process (where its chat port is), so its client should cost the hub's event loop as little as a
 * separate client would (fetch's streams cost several times more CPU per request).
 */
export function answerClient(httpUrl: string, token: string): { allow(code: string): Promise<{ taskId: string; summary: string }>; close(): void } {
  const url = new URL(httpUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  return {
    allow(code) {
      const body = JSON.stringify({ decision: 'allow', origin: 'bench' });
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: `/api/approvals/${code}`,
            agent,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
              try {
                resolve((JSON.parse(text) as { approval: { taskId: string; summary: string } }).approval);
              } catch (err) {
                reject(err as Error);
              }
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
