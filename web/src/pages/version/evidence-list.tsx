import { useState } from 'react';
import type { Evidence } from '../../api/types';
import { asApiError } from '../../api/use-resource';
import { formatBytes, formatTime, shortDigest } from '../../app/format';
import { useApi } from '../../app/session';

/**
 * The evidence attached to a version, with digests. The API serves evidence files only inside the
 * version's evidence pack (a tar.gz with a manifest of these digests), so that is the download.
 */
export function EvidenceList(props: { model: string; version: string; evidence: Evidence[] }) {
  const api = useApi();
  const [problem, setProblem] = useState<string | undefined>();
  const download = async () => {
    setProblem(undefined);
    const path = `/api/v1/models/${encodeURIComponent(props.model)}/versions/${encodeURIComponent(props.version)}/evidence-pack`;
    try {
      const response = await api.download(path);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `${props.model}-${props.version}-evidence-pack.tar.gz`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
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
              <th scope="row">{item.path}</th>
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
