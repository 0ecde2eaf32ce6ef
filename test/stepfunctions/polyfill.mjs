// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node 22); on
// Node 20 every Task would fail with a TypeError without this.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
