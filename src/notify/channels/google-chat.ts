import { postJson } from '../http-post.js';
import { plainMessage, urlProblem } from '../message-text.js';
import type { Channel } from './channel.js';

/**
 * Google Chat space webhook: a text message, threaded by alert (`thread.threadKey` with
 * `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`), so an alert's firing, repeats and
 * resolution read as one conversation.
 */
export const googleChatChannel: Channel = {
  problem: (target) =>
    urlProblem(
      target.destination,
      'Google Chat needs the space webhook URL as destination (…/messages?key=…&token=…)',
    ),
  send(target, notification, context) {
    const url = new URL(target.destination ?? '');
    url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    const body = { text: plainMessage(notification), thread: { threadKey: notification.alert.id } };
    return postJson(context.guard, url.toString(), body);
  },
};
