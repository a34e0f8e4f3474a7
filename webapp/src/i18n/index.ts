import en from './en.json';

/** Translations by locale; Mattermost falls back to each message's defaultMessage for the others. */
const translations: Record<string, Record<string, string>> = {en};

export function getTranslations(locale: string): Record<string, string> {
    return translations[locale] ?? translations[locale.split('-')[0] ?? ''] ?? {};
}

export {en};
