import { DeliveryError } from '../notification.js';
import { postJson } from '../http-post.js';
import { baseUrl, plainMessage, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

const TELEGRAM_API = 'https://api.telegram.org';

/** Telegram Bot API `sendMessage`: the bot token is the secret, the chat (or channel, or group topic) a setting. */
export const telegramChannel: Channel = {
  secret: { description: 'the bot token from @BotFather (123456:ABC-…)', required: true },
  settings: {
    chatId: { description: 'the chat, group or channel id (-100…) or @channelusername', required: true },
    threadId: { description: 'a forum topic id (message_thread_id)' },
    apiUrl: { description: `the Bot API server (default ${TELEGRAM_API}; a local Bot API server too)` },
  },
  problem: (target) =>
    target.settings?.apiUrl === undefined ? undefined : urlProblem(target.settings.apiUrl, 'apiUrl'),
  send(target, notification, context) {
    const token = target.secret;
    const chatId = target.settings?.chatId;
    if (token === undefined || chatId === undefined)
      return Promise.reject(new DeliveryError('a Telegram channel needs its bot token and chatId', false));
    const threadId = target.settings?.threadId;
    const body = {
      chat_id: chatId,
      text: plainMessage(notification).slice(0, 4096),
      disable_web_page_preview: true,
      ...(threadId === undefined ? {} : { message_thread_id: Number(threadId) }),
    };
    const api = baseUrl(target.settings?.apiUrl ?? TELEGRAM_API);
    return postJson(context.guard, `${api}/bot${token}/sendMessage`, body);
  },
};
