// Paints a WebGL canvas in two colours: its left half `left` (a scissored clear), its right
// half `right` (a triangle pair drawn with drawArrays, or with drawArraysInstanced on WebGL 2:
// `instanced`). `clear: false` draws the right half only (the left stays as it was): the draw
// call alone has to mark the canvas. Colours as [r, g, b] in 0..255.
var contexts = new Map();
function glOf(canvas, type) {
  var gl = contexts.get(canvas);
  if (gl) return gl;
  gl = canvas.getContext(type, {antialias: false});
  var vs = gl.createShader(gl.VERTEX_SHADER), fs = gl.createShader(gl.FRAGMENT_SHADER);
  gl.shaderSource(vs, "attribute vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }");
  gl.shaderSource(fs, "precision mediump float; uniform vec4 c; void main() { gl_FragColor = c; }");
  gl.compileShader(vs); gl.compileShader(fs);
  var prog = gl.createProgram();
  gl.attachShader(prog, vs); gl.attachShader(prog, fs); gl.linkProgram(prog); gl.useProgram(prog);
  gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, -1, 1, -1, 0, 1, 0, 1, 1, -1, 1, 1]), gl.STATIC_DRAW);
  var at = gl.getAttribLocation(prog, "p");
  gl.enableVertexAttribArray(at);
  gl.vertexAttribPointer(at, 2, gl.FLOAT, false, 0, 0);
  gl.colourAt = gl.getUniformLocation(prog, "c");
  contexts.set(canvas, gl);
  return gl;
}
function paint(canvas, type, left, right, opts) {
  opts = opts || {};
  var gl = glOf(canvas, type), w = canvas.width, h = canvas.height;
  if (opts.clear !== false) {
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 0, w / 2, h);
    gl.clearColor(left[0] / 255, left[1] / 255, left[2] / 255, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.disable(gl.SCISSOR_TEST);
  }
  gl.uniform4f(gl.colourAt, right[0] / 255, right[1] / 255, right[2] / 255, 1);
  if (opts.instanced) gl.drawArraysInstanced(gl.TRIANGLES, 0, 6, 1);
  else gl.drawArrays(gl.TRIANGLES, 0, 6);
}
// What the canvas shows now, at the middle of each half: [[r, g, b, a], [r, g, b, a]]
// (read from a 2D copy: drawImage takes the picture whether or not the buffer is preserved,
// in the task that drew it).
function shown(canvas) {
  var c = document.createElement("canvas");
  c.width = canvas.width; c.height = canvas.height;
  var ctx = c.getContext("2d");
  ctx.drawImage(canvas, 0, 0);
  var y = canvas.height >> 1;
  return [canvas.width >> 2, (canvas.width * 3) >> 2].map(function (x) {
    return Array.from(ctx.getImageData(x, y, 1, 1).data);
  });
}
