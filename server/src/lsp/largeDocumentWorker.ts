/**
 * The thread large open documents are checked on, so that the language server keeps answering
 * while a multi-megabyte manifest is parsed. Per document it keeps a DocumentCache (as the main
 * thread does for small ones) and the last extraction: only the findings cross back after each
 * check; the sites, which code actions and hovers need, are sent when they ask.
 */
import { parentPort } from 'node:worker_threads';
import { DocumentCache } from '../core/extract';
import { LocatedExtraction, LocatedFinding, extractLocated, findingsFor } from '../scan/checkText';
import { summarize } from './findingSummary';
import type { WorkerReply, WorkerRequest } from './largeDocuments';
import { findingsAt, locateSite } from './sites';

const documents = new Map<string, { cache: DocumentCache; version?: number; extraction?: LocatedExtraction; findings?: LocatedFinding[] }>();

/** The document's state if the worker's latest check is of the version asked about. */
function current(message: { uri: string; version: number }) {
  const doc = documents.get(message.uri);
  return doc?.version === message.version && doc.extraction ? doc : undefined;
}

function handle(message: WorkerRequest): WorkerReply | undefined {
  switch (message.kind) {
    case 'forget':
      documents.delete(message.uri);
      return undefined;
    case 'check': {
      let doc = documents.get(message.uri);
      if (!doc) documents.set(message.uri, (doc = { cache: new DocumentCache() }));
      const extraction = extractLocated(message.text, { path: message.path, imageKeys: message.config.imageKeys, cache: doc.cache });
      doc.cache.sweep();
      doc.version = message.version;
      doc.extraction = extraction;
      doc.findings = findingsFor(extraction, message.config, message.relativePath, message.today, message.chartTag);
      return { id: message.id, summary: summarize(doc.findings) };
    }
    case 'extraction':
      return { id: message.id, extraction: current(message)?.extraction };
    case 'findingsAt': {
      const doc = current(message);
      return { id: message.id, hits: doc && findingsAt(doc.findings!, doc.extraction!, message.range) };
    }
    case 'siteAt': {
      const doc = current(message);
      return { id: message.id, site: doc && locateSite(doc.extraction!, message.position), found: !!doc };
    }
  }
}

parentPort?.on('message', (message: WorkerRequest) => {
  let reply: WorkerReply | undefined;
  try {
    reply = handle(message);
  } catch (err) {
    reply = { id: (message as { id: number }).id, error: (err as Error).stack ?? String(err) };
  }
  if (reply) parentPort!.postMessage(reply);
});
