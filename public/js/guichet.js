// Small enhancements; every page works without them.
document.documentElement.classList.add('guichet-has-js');

// Paste or drop screenshots into a form's file input (the form must still work without this).
for (const input of document.querySelectorAll('input[type="file"][name="attachments"]')) {
  const form = input.form;
  if (!form || typeof DataTransfer === 'undefined') continue;
  const add = (files) => {
    const dt = new DataTransfer();
    for (const f of input.files) dt.items.add(f);
    for (const f of files) {
      const named = f.name && f.name !== 'image.png' ? f : new File([f], `copie-ecran-${Date.now()}.png`, { type: f.type });
      dt.items.add(named);
    }
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  };
  form.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length > 0) {
      e.preventDefault();
      add(files);
    }
  });
  form.addEventListener('dragover', (e) => {
    e.preventDefault();
    form.classList.add('guichet-dropzone--active');
  });
  form.addEventListener('dragleave', () => form.classList.remove('guichet-dropzone--active'));
  form.addEventListener('drop', (e) => {
    e.preventDefault();
    form.classList.remove('guichet-dropzone--active');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0) add(files);
  });
}

// Bring the error summary into focus so it is announced.
document.getElementById('form-errors')?.focus();

// Submit list controls when the page size changes.
for (const select of document.querySelectorAll('select[name="par_page"]')) {
  select.addEventListener('change', () => select.form?.requestSubmit());
}

// "Imprimer la page" where a page offers it (the browser's own print works without it).
for (const button of document.querySelectorAll('button.guichet-print')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
// Printed, every chart's data table shows.
window.addEventListener('beforeprint', () => {
  for (const d of document.querySelectorAll('details.guichet-chart__data')) d.open = true;
});
