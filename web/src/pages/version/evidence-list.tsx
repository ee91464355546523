import { useState } from 'react';
import type { Evidence } from '../../api/types';
import { asApiError } from '../../api/use-resource';
import { formatBytes, formatTime, shortDigest } from '../../app/format';
import { useApi } from '../../app/session';
import { sha256, toHex } from '../../lib/bytes.js';

function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The evidence attached to a version, with digests: each file downloads on its own (checked in
 * the browser against the listed digest before it is saved), or all of them as the version's
 * evidence pack (a tar.gz with a manifest of these digests). The API needs the bearer token, so
 * a download is fetched and saved from a blob rather than followed as a link.
 */
export function EvidenceList(props: { model: string; version: string; evidence: Evidence[] }) {
  const api = useApi();
  const [problem, setProblem] = useState<string | undefined>();
  const base = `/api/v1/models/${encodeURIComponent(props.model)}/versions/${encodeURIComponent(props.version)}`;
  const download = async () => {
    setProblem(undefined);
    try {
      const response = await api.download(`${base}/evidence-pack`);
      save(await response.blob(), `${props.model}-${props.version}-evidence-pack.tar.gz`);
    } catch (cause) {
      setProblem(asApiError(cause).detail);
    }
  };
  const downloadFile = async (item: Evidence) => {
    setProblem(undefined);
    try {
      const response = await api.download(
        `${base}/evidence/content?path=${encodeURIComponent(item.path)}`,
      );
      const blob = await response.blob();
      const digest = `sha256:${toHex(await sha256(new Uint8Array(await blob.arrayBuffer())))}`;
      if (digest !== item.digest) {
        setProblem(`${item.path} arrived with digest ${digest}, not ${item.digest}: not saved.`);
        return;
      }
      save(blob, item.path.slice(item.path.lastIndexOf('/') + 1));
    } catch (cause) {
      setProblem(asApiError(cause).detail);
    }
  };
  return (
    <>
      <table>
        <caption>Evidence ({props.evidence.length} files)</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Kind</th>
            <th scope="col">Digest</th>
            <th scope="col">Size</th>
            <th scope="col">Attached</th>
          </tr>
        </thead>
        <tbody>
          {props.evidence.map((item) => (
            <tr key={item.path}>
              <th scope="row">
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Download ${item.path}`}
                  onClick={() => downloadFile(item)}
                >
                  {item.path}
                </button>
              </th>
              <td>{item.kind.replaceAll('_', ' ')}</td>
              <td>
                <code className="digest" title={item.digest}>
                  {shortDigest(item.digest)}
                </code>
              </td>
              <td>{formatBytes(item.size)}</td>
              <td>
                {formatTime(item.attachedAt)}
                {item.attachedBy ? ` by ${item.attachedBy}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" onClick={download}>
          Download evidence pack (.tar.gz)
        </button>
      </div>
      {problem && (
        <p role="alert" className="notice notice-error">
          {problem}
        </p>
      )}
    </>
  );
}
