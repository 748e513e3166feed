import type { ConsoleText } from '../../../shared/console-view';

/** The console page's words in the console's languages (English is the fallback). */
export const S = {
  title: { en: 'Reputation', fr: 'Réputation', de: 'Reputation' },
  hint: {
    en: 'What blocklists and remote mail servers say about the addresses our mail leaves from: listings per list, when first seen, the evidence, and where to ask for removal.',
    fr: "Ce que disent les listes de blocage et les serveurs distants des adresses d'où part notre courrier : inscriptions par liste, première observation, preuves, et où demander le retrait.",
    de: 'Was Blocklisten und entfernte Mailserver über die Adressen sagen, von denen unsere Mails ausgehen: Einträge je Liste, erstmals gesehen, Belege und wo die Entfernung zu beantragen ist.',
  },
  outbound: { en: 'Outbound addresses', fr: 'Adresses sortantes', de: 'Ausgehende Adressen' },
  outboundUnknown: {
    en: 'Not known yet: the service has not run a round (or run `mailwarden reputation check`).',
    fr: "Pas encore connues : le service n'a pas encore fait de tour (ou lancez `mailwarden reputation check`).",
    de: 'Noch nicht bekannt: der Dienst hat noch keine Runde gedreht (oder `mailwarden reputation check` ausführen).',
  },
  outboundNone: { en: '(none found: set outboundIps in the config file)', fr: '(aucune trouvée : réglez outboundIps dans le fichier de configuration)', de: '(keine gefunden: outboundIps in der Konfigurationsdatei setzen)' },
  source: { en: 'from {source}', fr: 'source : {source}', de: 'aus {source}' },
  listings: { en: 'Listings', fr: 'Inscriptions', de: 'Einträge' },
  noListings: { en: 'No listing seen: no list names our addresses and no remote server refused them for reputation.', fr: "Aucune inscription : aucune liste ne cite nos adresses et aucun serveur distant ne les a refusées pour leur réputation.", de: 'Kein Eintrag: keine Liste nennt unsere Adressen und kein entfernter Server hat sie wegen ihrer Reputation abgewiesen.' },
  address: { en: 'Address', fr: 'Adresse', de: 'Adresse' },
  list: { en: 'List or provider', fr: 'Liste ou fournisseur', de: 'Liste oder Anbieter' },
  kind: { en: 'Kind', fr: 'Type', de: 'Art' },
  seenBy: { en: 'Seen by', fr: 'Vu par', de: 'Gesehen durch' },
  firstSeen: { en: 'First seen', fr: 'Vu la première fois', de: 'Erstmals gesehen' },
  lastSeen: { en: 'Last seen', fr: 'Vu la dernière fois', de: 'Zuletzt gesehen' },
  refusalsCount: { en: 'Refusals', fr: 'Refus', de: 'Abweisungen' },
  removal: { en: 'Removal', fr: 'Retrait', de: 'Entfernung' },
  removalLink: { en: 'request removal', fr: 'demander le retrait', de: 'Entfernung beantragen' },
  incidentOpen: { en: 'incident open', fr: 'incident ouvert', de: 'Vorfall offen' },
  evidence: { en: 'Evidence', fr: 'Preuves', de: 'Belege' },
  listSays: { en: 'The list says: {reason}', fr: 'La liste indique : {reason}', de: 'Die Liste sagt: {reason}' },
  refusedBy: { en: 'Refused by: {domains}', fr: 'Refusé par : {domains}', de: 'Abgewiesen von: {domains}' },
  viaRefusals: { en: 'remote refusals', fr: 'refus distants', de: 'entfernte Abweisungen' },
  viaDnsbl: { en: 'DNSBL answer', fr: 'réponse DNSBL', de: 'DNSBL-Antwort' },
  checks: { en: 'DNSBL answers', fr: 'Réponses des DNSBL', de: 'DNSBL-Antworten' },
  noChecks: { en: 'No DNSBL answer yet.', fr: 'Aucune réponse DNSBL pour le moment.', de: 'Noch keine DNSBL-Antwort.' },
  answer: { en: 'Answer', fr: 'Réponse', de: 'Antwort' },
  checked: { en: 'Checked', fr: 'Vérifié', de: 'Geprüft' },
  detail: { en: 'Detail', fr: 'Détail', de: 'Detail' },
  recent: { en: 'Recent remote refusals', fr: 'Refus distants récents', de: 'Letzte entfernte Abweisungen' },
  noRecent: { en: 'No remote server refused our mail for a list or its reputation.', fr: "Aucun serveur distant n'a refusé notre courrier pour une liste ou sa réputation.", de: 'Kein entfernter Server hat unsere Mails wegen einer Liste oder ihrer Reputation abgewiesen.' },
  line: { en: 'Delivery log line', fr: 'Ligne du journal de distribution', de: 'Zeile des Zustellprotokolls' },
} satisfies Record<string, ConsoleText>;

/** DNSBL answers, as the CLI's status words. */
export const STATUS: Record<string, ConsoleText> = {
  listed: { en: 'LISTED', fr: 'INSCRITE', de: 'GELISTET' },
  'not-listed': { en: 'not listed', fr: 'non inscrite', de: 'nicht gelistet' },
  'resolver-refused': { en: 'resolver refused', fr: 'résolveur refusé', de: 'Resolver abgewiesen' },
  'rate-limited': { en: 'rate limited by the list', fr: 'limitée par la liste', de: 'von der Liste gedrosselt' },
  error: { en: 'error', fr: 'erreur', de: 'Fehler' },
};

/** What a refusal or listing is (classify.ts's kinds). */
export const KIND: Record<string, ConsoleText> = {
  dnsbl: { en: 'blocklist', fr: 'liste de blocage', de: 'Blockliste' },
  'provider-block': { en: 'provider block', fr: 'blocage du fournisseur', de: 'Sperre des Anbieters' },
  reputation: { en: 'poor reputation', fr: 'mauvaise réputation', de: 'schlechte Reputation' },
  throttle: { en: 'throttled', fr: 'limité', de: 'gedrosselt' },
};
