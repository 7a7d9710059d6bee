import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { answersPing } from '../../src/cli/redis/local-server.js'
import { freePort, type RedisServer, startRedis } from './redis-server.js'
import { waitFor } from './wait.js'

/** PEM files of a test CA, a server and a client certificate it signed, and an unrelated CA. */
export interface TestCertificates {
  readonly dir: string
  readonly caFile: string
  readonly ca: string
  /** Signs nothing of ours: trusting only it must fail. */
  readonly otherCa: string
  readonly serverCertFile: string
  readonly serverKeyFile: string
  readonly clientCert: string
  readonly clientKey: string
  /** The DNS name in the server certificate. */
  readonly serverName: string
  remove(): void
}

/** Why TLS tests cannot run here (no openssl, or a redis-server built without TLS), or undefined. */
export function tlsUnavailable(): string | undefined {
  if (spawnSync('openssl', ['version']).status !== 0) return 'the openssl command is not installed'
  // With TLS built in, this configuration listens nowhere and exits at once; without, the directive is unknown.
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--save', ''], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  const output = `${probe.stdout}${probe.stderr}`
  if (/Bad directive|wrong number of arguments/i.test(output))
    return 'the installed redis-server is built without TLS (no --tls-port)'
  return undefined
}

/**
 * Makes a CA and certificates with the openssl command (EC P-256 keys, valid for two days). The server
 * certificate names `serverName` only, so a client connecting to 127.0.0.1 must pass it as
 * `servername`, unless `withLoopbackAddress` adds 127.0.0.1 to it.
 */
export function makeCertificates(
  serverName = 'redis.test',
  { withLoopbackAddress = false }: { withLoopbackAddress?: boolean } = {},
): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'tiercache-tls-'))
  const file = (name: string) => path.join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const makeCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    )
  const signed = (name: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions)
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    )
  }
  makeCa('ca')
  makeCa('other-ca')
  const altNames = `DNS:${serverName}${withLoopbackAddress ? ',IP:127.0.0.1' : ''}`
  // clientAuth too: the nodes of a TLS cluster present it to each other on the cluster bus.
  signed('server', `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth,clientAuth\n`)
  signed('client', 'extendedKeyUsage=clientAuth\n')
  const read = (name: string) => readFileSync(file(name), 'utf8')
  return {
    dir,
    caFile: file('ca.crt'),
    ca: read('ca.crt'),
    otherCa: read('other-ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    serverName,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** A redis-server that accepts TLS connections only, on `tlsPort`; `url` is its `rediss://` URL. */
export interface TlsRedisServer extends RedisServer {
  readonly tlsPort: number
  readonly tlsUrl: string
}

/**
 * Starts a redis-server with TLS on its own port. It starts with a plain port too, so the usual
 * readiness check (PING) works, then closes that port: from then on only TLS clients get in.
 * `authClients` makes the server demand a client certificate signed by the test CA (mutual TLS).
 */
export async function startTlsRedis(
  certificates: TestCertificates,
  { authClients = false }: { authClients?: boolean } = {},
): Promise<TlsRedisServer> {
  const tlsPort = await freePort()
  const server = await startRedis({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      certificates.serverCertFile,
      '--tls-key-file',
      certificates.serverKeyFile,
      '--tls-ca-cert-file',
      certificates.caFile,
      '--tls-auth-clients',
      authClients ? 'yes' : 'no',
    ],
  })
  await server.command('CONFIG', 'SET', 'port', '0')
  if (await answersPing(server.port)) throw new Error('the plain port of the TLS redis-server is still open')
  return Object.assign(Object.create(server) as RedisServer, {
    tlsPort,
    tlsUrl: `rediss://127.0.0.1:${tlsPort}`,
  }) as TlsRedisServer
}

/** A Redis Cluster whose nodes talk TLS to clients and to each other; `rootNodes` are `rediss://` URLs. */
export interface TlsRedisCluster {
  readonly nodes: readonly RedisServer[]
  readonly rootNodes: readonly string[]
  stop(): Promise<void>
}

/**
 * Starts `masters` cluster nodes with TLS on their own ports (`tls-cluster yes`, so CLUSTER SLOTS names
 * the TLS ports and the bus is encrypted), joins them with `redis-cli --tls --cluster create` and waits
 * for `cluster_state:ok`. The plain ports stay open for the test's own checks.
 */
export async function startTlsRedisCluster(
  certificates: TestCertificates,
  { masters = 3 }: { masters?: number } = {},
): Promise<TlsRedisCluster> {
  const started: RedisServer[] = []
  const tlsPorts: number[] = []
  try {
    for (let i = 0; i < masters; i++) {
      const tlsPort = await freePort()
      const node = await startRedis({
        args: [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          ...['--cluster-node-timeout', '1000', '--cluster-port', String(await freePort())],
          ...['--tls-port', String(tlsPort), '--tls-cluster', 'yes', '--tls-auth-clients', 'no'],
          ...['--tls-cert-file', certificates.serverCertFile, '--tls-key-file', certificates.serverKeyFile],
          ...['--tls-ca-cert-file', certificates.caFile],
        ],
      })
      started.push(node)
      tlsPorts.push(tlsPort)
    }
    await promisify(execFile)(
      'redis-cli',
      [
        ...['--tls', '--cacert', certificates.caFile, '--cluster', 'create'],
        ...tlsPorts.map((port) => `127.0.0.1:${port}`),
        ...['--cluster-replicas', '0', '--cluster-yes'],
      ],
      { timeout: 30_000 },
    )
    await waitFor(
      async () => {
        const infos = await Promise.all(started.map((node) => node.command('CLUSTER', 'INFO')))
        return infos.every((info) => String(info).includes('cluster_state:ok'))
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'cluster_state:ok on every TLS node' },
    )
    return {
      nodes: started,
      rootNodes: tlsPorts.map((port) => `rediss://127.0.0.1:${port}`),
      stop: async () => {
        await Promise.all(started.map((node) => node.stop()))
      },
    }
  } catch (error) {
    await Promise.all(started.map((node) => node.stop().catch(() => undefined)))
    throw error
  }
}
