// The official Portable Text renderers as the oracle for content/portable_text.
//
// stdin:  JSON list of documents, each a Portable Text block list.
// stdout: JSON list, one {"html", "markdown", "text"} per document, in the same order:
//         @portabletext/to-html toHTML, @portabletext/markdown portableTextToMarkdown and
//         @portabletext/toolkit toPlainText.
//
// The custom components below are the same definitions as TYPES/MARKS in
// content/portable_text/html.py and markdown.py (image, video, cta, form, code, seo and the
// spec's `strike` decorator). Keep both sides in step.
//
// Versions: to-html 5.0.3 and toolkit 5.0.2 are the newest that support node 20 (the machine's);
// to-html 6 / toolkit 6 need node >= 22.12 and toolkit 6 nests lists that skip levels differently.
// markdown 2.2.0 declares node >= 22.12 too but runs on node 20.19+ (npm only warns); it is pinned
// because it escapes span text (raw HTML such as <script>, entity references, Markdown syntax),
// which content/portable_text/escaping.py ports. Its own toolkit 6 is installed under it and is only
// used for its marks tree, which is the same as toolkit 5's.
import {toHTML, uriLooksSafe} from '@portabletext/to-html'
import {portableTextToMarkdown} from '@portabletext/markdown'
import {toPlainText} from '@portabletext/toolkit'

const MEDIA_URL_PREFIX = '/api/v1/media/'

const charMap = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;'}
const esc = (value) => value.replace(/[&<>"']/g, (ch) => charMap[ch])
const text = (value) => (typeof value === 'string' ? value : '')
const escLinkText = (value) => value.replace(/([[\]\\])/g, '\\$1')
const escLinkTitle = (value) => value.replace(/([\\"])/g, '\\$1')
const isSafeUrl = (url) => typeof url === 'string' && url !== '' && uriLooksSafe(url)

function assetRef(value) {
  const asset = value.asset
  const ref = asset && typeof asset === 'object' ? asset._ref : undefined
  return typeof ref === 'string' && ref !== '' ? ref : null
}
const mediaUrl = (ref) => MEDIA_URL_PREFIX + encodeURIComponent(ref)

const htmlComponents = {
  types: {
    image: ({value}) => {
      const ref = assetRef(value)
      if (ref === null) return ''
      const caption = text(value.caption)
      const figcaption = caption ? `<figcaption>${esc(caption)}</figcaption>` : ''
      return `<figure class="pt-image"><img src="${esc(mediaUrl(ref))}" alt="${esc(text(value.alt))}"/>${figcaption}</figure>`
    },
    video: ({value}) => {
      if (!isSafeUrl(value.url)) return ''
      const title = text(value.title)
      const figcaption = title ? `<figcaption>${esc(title)}</figcaption>` : ''
      return `<figure class="pt-video"><video controls src="${esc(value.url)}"></video>${figcaption}</figure>`
    },
    cta: ({value}) => {
      const label = esc(text(value.text))
      if (!isSafeUrl(value.url)) return `<p class="pt-cta">${label}</p>`
      const style = esc(text(value.style) || 'primary')
      return `<p class="pt-cta"><a class="button cta-${style}" href="${esc(value.url)}">${label}</a></p>`
    },
    form: ({value}) => `<div class="pt-form" data-form-type="${esc(text(value.formType))}"></div>`,
    code: ({value}) => {
      const language = text(value.language)
      const attrs = language ? ` class="language-${esc(language)}"` : ''
      return `<pre><code${attrs}>${esc(text(value.code))}</code></pre>`
    },
    seo: () => '',
  },
  marks: {
    strike: ({children}) => `<del>${children}</del>`,
  },
}

const markdownOptions = {
  types: {
    image: ({value}) => {
      const ref = assetRef(value)
      if (ref === null) return ''
      const caption = text(value.caption)
      const title = caption ? ` "${escLinkTitle(caption)}"` : ''
      return `![${escLinkText(text(value.alt))}](${mediaUrl(ref)}${title})`
    },
    video: ({value}) => (isSafeUrl(value.url) ? `[${escLinkText(text(value.title) || value.url)}](${value.url})` : ''),
    cta: ({value}) => {
      const label = text(value.text)
      return isSafeUrl(value.url) ? `[${escLinkText(label)}](${value.url})` : label
    },
    form: () => '',
    seo: () => '',
    // `code` keeps the official default (a fenced block). These defaults are outside our schema
    // and `html` would copy raw HTML through, so both sides treat them as unknown types.
    callout: undefined,
    table: undefined,
    html: undefined,
    'horizontal-rule': undefined,
  },
  marks: {
    strike: ({children}) => `~~${children}~~`,
  },
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const documents = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// The Markdown renderer writes a random _key into blocks that lack one: give each renderer its own copy.
const results = documents.map((blocks) => ({
  html: toHTML(structuredClone(blocks), {components: htmlComponents, onMissingComponent: false}),
  markdown: portableTextToMarkdown(structuredClone(blocks), markdownOptions),
  text: toPlainText(structuredClone(blocks)),
}))
process.stdout.write(JSON.stringify(results))
