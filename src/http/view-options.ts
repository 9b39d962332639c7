/**
 * How EJS compiles the pages and the mails: in strict mode, without `with (locals)`. Each view
 * names the locals it reads on its first lines (`<% const { title, rows } = locals; -%>`), and
 * test/unit/http/views.test checks that no view reads a name it has not declared. Inside `with`,
 * every name, even the output function, is looked up on the locals first.
 */
export function viewOptions(views: string, cache: boolean) {
  // Outside development the compiled views skip EJS's line tracking: an error in a view is
  // logged with its message only, without the view's name and line.
  return { root: views, views: [views], cache, compileDebug: !cache, strict: true };
}
