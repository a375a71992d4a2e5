/**
 * What the server may only learn from this machine: workspace trust, VS Code's proxy settings and
 * the machine-scoped Image Pin settings. Workspace and folder values of those settings are never
 * read, whatever VS Code would allow.
 */
import * as vscode from 'vscode';
import type { Environment } from '../../shared/src/protocol';

/** Settings changes that alter the environment. */
export const ENVIRONMENT_SETTINGS = ['http.proxy', 'http.proxyStrictSSL', 'http.noProxy', 'imagePin.registries', 'imagePin.caCertificates', 'imagePin.dockerConfigPath'];

export function currentEnvironment(): Environment {
  const http = vscode.workspace.getConfiguration('http');
  const pin = vscode.workspace.getConfiguration('imagePin');
  const machine = <T>(key: string): T | undefined => {
    const values = pin.inspect<T>(key);
    return values?.globalValue ?? values?.defaultValue;
  };
  return {
    workspaceTrusted: vscode.workspace.isTrusted,
    proxy: {
      url: http.get<string>('proxy') || undefined,
      strictSSL: http.get<boolean>('proxyStrictSSL'),
      noProxy: http.get<string[]>('noProxy'),
    },
    registries: machine('registries'),
    caCertificates: machine('caCertificates'),
    dockerConfigPath: machine<string>('dockerConfigPath') || undefined,
  };
}
