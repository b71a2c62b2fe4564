// Custom Elements Manifest (https://github.com/webcomponents/custom-elements-manifest)
// for <ll-player>, read from the element's TSDoc (@attr, @fires, @csspart, @cssprop).
export default {
  globs: ['src/ll-player-element.ts', 'src/define.ts'],
  outdir: 'dist',
  dependencies: false,
};
