"""Feed documents shaped like real ones (namespaces, CDATA, entities, HTML in descriptions)."""

from __future__ import annotations

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Le Matin – Société</title>
  <link>https://lematin.example/societe</link>
  <atom:link href="https://lematin.example/rss" rel="self" type="application/rss+xml"/>
  <description>Actualités</description>
  <language>fr</language>
  <item>
    <title>Interpol : l’Assemblée générale s’ouvre à Marrakech</title>
    <link>https://lematin.example/interpol-ouverture?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">lematin-1001</guid>
    <dc:creator>Rédaction</dc:creator>
    <pubDate>Mon, 24 Nov 2025 10:15:00 +0100</pubDate>
    <description><![CDATA[<p>Les délégations de <strong>196 pays</strong> sont réunies.</p>
      <script>alert('x')</script><p>Deuxième&nbsp;paragraphe &amp; fin.</p>]]></description>
  </item>
  <item>
    <title>Cybercriminalité : appel à ratifier la Convention</title>
    <link>https://lematin.example/cyber-convention</link>
    <guid isPermaLink="false">lematin-1002</guid>
    <content:encoded><![CDATA[<div><p>INTERPOL appelle ses membres à ratifier.</p><img src="x.png"/></div>]]></content:encoded>
    <description>Résumé court</description>
  </item>
  <item>
    <title>Interpol : l’Assemblée générale s’ouvre à Marrakech</title>
    <link>https://lematin.example/interpol-ouverture</link>
    <guid isPermaLink="false">lematin-1001</guid>
    <description>Doublon exact (même guid) dans le même document.</description>
  </item>
  <item>
    <title>Football : le Raja l’emporte</title>
    <link>https://lematin.example/sport-raja</link>
    <guid isPermaLink="false">lematin-1003</guid>
    <description>Sport</description>
  </item>
</channel>
</rss>"""

# The first entry again, re-posted under a new guid (and an http:// link with a trailing slash).
RSS_REPOSTED = RSS.replace("lematin-1001", "lematin-9001").replace(
    "https://lematin.example/interpol-ouverture?utm_source=rss&amp;utm_medium=feed",
    "http://LEMATIN.example/interpol-ouverture/")

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>INTERPOL News</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-11-27T12:00:00Z</updated>
  <link href="https://interpol.example/news" />
  <entry>
    <title type="html">Resolution &lt;em&gt;adopted&lt;/em&gt; on the UN Cybercrime Convention</title>
    <id>tag:interpol.example,2025:news/resolution-cybercrime</id>
    <link rel="alternate" href="https://interpol.example/news/resolution" />
    <updated>2025-11-27T12:00:00Z</updated>
    <content type="html">&lt;p&gt;The General Assembly adopted a resolution.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>New Executive Committee elected</title>
    <id>tag:interpol.example,2025:news/executive-committee</id>
    <link rel="alternate" href="https://interpol.example/news/committee" />
    <updated>2025-11-27T10:00:00Z</updated>
    <summary>Delegates elected the committee.</summary>
  </entry>
</feed>"""

# Latin-1 bytes under a UTF-8 declaration, as some CMSs serve them.
LATIN1_DECLARED_UTF8 = ("""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Hespress FR</title><link>https://hespress.example/</link>
<item><title>Sécurité : la coopération policière renforcée à Marrakech</title>
<link>https://hespress.example/securite-cooperation</link><guid>hes-77</guid>
<description>Les délégués ont évoqué la fraude en ligne.</description></item>
</channel></rss>""").encode("latin-1")

MALFORMED = b"<html><body>502 Bad Gateway <<< not a feed"
