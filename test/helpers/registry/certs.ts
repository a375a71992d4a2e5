import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { assertInstalled, run } from './exec';

const OPENSSL = '/usr/bin/openssl';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface TlsFiles {
  caCertPath: string;
  caCertPem: string;
  /** Holds only ca.crt: what `skopeo --cert-dir` expects. */
  certDir: string;
  serverCertPath: string;
  serverKeyPath: string;
}

/** A throwaway CA and a server certificate it signed, valid for localhost and 127.0.0.1. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  await assertInstalled(OPENSSL, 'apt-get install -y openssl');
  const certDir = path.join(dir, 'certs.d');
  await mkdir(certDir);
  const caCertPath = path.join(certDir, 'ca.crt');
  const caKeyPath = path.join(dir, 'ca.key');
  const serverCertPath = path.join(dir, 'server.crt');
  const serverKeyPath = path.join(dir, 'server.key');
  await run(OPENSSL, ['req', '-x509', ...EC_KEY, '-keyout', caKeyPath, '-out', caCertPath, '-days', '2',
    '-subj', '/CN=Image Pin test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run(OPENSSL, ['req', '-x509', ...EC_KEY, '-keyout', serverKeyPath, '-out', serverCertPath, '-days', '2',
    '-subj', '/CN=localhost', '-CA', caCertPath, '-CAkey', caKeyPath,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext', 'basicConstraints=CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth']);
  return { caCertPath, caCertPem: await readFile(caCertPath, 'utf8'), certDir, serverCertPath, serverKeyPath };
}

export interface SigningFiles { certPath: string; certPem: string; keyPem: string; }

/** A self-signed P-256 certificate for the token server; the registry trusts it as `rootcertbundle`. */
export async function makeTokenSigningFiles(dir: string): Promise<SigningFiles> {
  await assertInstalled(OPENSSL, 'apt-get install -y openssl');
  const certPath = path.join(dir, 'token-signer.crt');
  const keyPath = path.join(dir, 'token-signer.key');
  await run(OPENSSL, ['req', '-x509', ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', '2',
    '-subj', '/CN=Image Pin test token signer']);
  return { certPath, certPem: await readFile(certPath, 'utf8'), keyPem: await readFile(keyPath, 'utf8') };
}
