#!/bin/sh
# Rebuilds the PDFs of the labelled pairs that other programs make (pairs 19-24), from the sources
# beside them. Unlike scripts/make-fixtures.ts (pdfkit), the point of these is that the PDF bytes
# come from widely used tools: Chromium's print to PDF, LibreOffice Writer, groff, and a scan made
# of page images. Needs chromium, soffice (libreoffice-writer), groff, pdftoppm (poppler-utils)
# and img2pdf. The output is not byte-identical between runs (the tools stamp dates), so rebuild
# only a pair whose source changed and check its reading with `npm run eval:qa -- --verbose`.
#
# Run from the repository root: sh packages/resume-analysis/scripts/make-other-pdfs.sh [pair...]
set -eu
LABELLED="$(cd "$(dirname "$0")/../fixtures/labelled" && pwd)"

chromium_pdf() { chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$2" "$1" 2>/dev/null; }
# The StarWriter filter lays out HTML as a Writer document (the Writer/Web one loses the first heading).
libreoffice_pdf() { (cd "$(dirname "$1")" && soffice --headless --infilter="HTML (StarWriter)" --convert-to pdf:writer_pdf_Export "$(basename "$1")" >/dev/null); }
groff_pdf() { groff -ms -Tpdf -P-pa4 "$1" >"$2"; }
# A scan: the page printed by Chromium, rendered to a grey JPEG at 130 dpi and put back into a PDF with no text layer.
scanned_pdf() {
  work="$(mktemp -d)"
  chromium_pdf "$1" "$work/text.pdf"
  pdftoppm -r 130 -gray -jpeg -jpegopt quality=45 "$work/text.pdf" "$work/page"
  img2pdf --pagesize A4 -o "$2" "$work"/page-*.jpg
  rm -rf "$work"
}

build() {
  dir="$LABELLED/$1"
  case "$1" in
    19-data-engineer) chromium_pdf "$dir/resume.html" "$dir/resume.pdf"; chromium_pdf "$dir/jd.html" "$dir/jd.pdf" ;;
    20-ux-designer) chromium_pdf "$dir/resume.html" "$dir/resume.pdf"; libreoffice_pdf "$dir/jd.html" ;;
    21-customer-success-manager) libreoffice_pdf "$dir/resume.html"; groff_pdf "$dir/jd.ms" "$dir/jd.pdf" ;;
    22-site-engineer) groff_pdf "$dir/resume.ms" "$dir/resume.pdf"; libreoffice_pdf "$dir/jd.html" ;;
    23-account-manager) scanned_pdf "$dir/resume.html" "$dir/resume.pdf"; chromium_pdf "$dir/jd.html" "$dir/jd.pdf" ;;
    24-contable-es) libreoffice_pdf "$dir/resume.html"; chromium_pdf "$dir/jd.html" "$dir/jd.pdf" ;;
    *) echo "unknown pair: $1" >&2; exit 2 ;;
  esac
  echo "built $1"
}

if [ "$#" -eq 0 ]; then
  set -- 19-data-engineer 20-ux-designer 21-customer-success-manager 22-site-engineer 23-account-manager 24-contable-es
fi
for pair in "$@"; do build "$pair"; done
