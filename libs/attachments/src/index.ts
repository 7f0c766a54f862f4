export {
  AttachmentError,
  AttachmentStore,
  AttachmentTooLarge,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  type AttachmentContent,
} from './attachment-store';
