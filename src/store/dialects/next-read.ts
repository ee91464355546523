/**
 * A read shared by every call made before it starts: the calls of one turn of the event loop
 * wait for one read, started in the next turn. A call never joins a read already started: that
 * read may have taken its snapshot before the call, so before a commit another server had
 * already answered when the call was made.
 */
export function nextReadShared<T>(read: () => Promise<T>): () => Promise<T> {
  let next: Promise<T> | undefined;
  return () => {
    if (next === undefined) {
      next = new Promise<T>((resolve, reject) => {
        setImmediate(() => {
          // Started: from here on, callers wait for the read after this one.
          next = undefined;
          read().then(resolve, reject);
        });
      });
    }
    return next;
  };
}
